int local_answer(void) { return 11; }
int local_data = 5;
