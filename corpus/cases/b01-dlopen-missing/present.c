/* A library that exists: one data symbol. */
int present_answer = 42;
