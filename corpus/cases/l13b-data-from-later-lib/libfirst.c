extern int table_of_second[4];
int *second_at = &table_of_second[2];
int first_reads(void) { return *second_at + table_of_second[3]; }
