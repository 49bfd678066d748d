int global_answer(void) { return 22; }
int global_data = 7;
