/* Imports resolved at dlopen from the global scope. */
extern int global_answer(void);
extern int global_data;
int use_global(void) { return global_answer() * 100 + global_data; }
