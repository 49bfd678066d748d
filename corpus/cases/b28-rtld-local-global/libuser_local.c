/* Needs a symbol that only an RTLD_LOCAL library defines. */
extern int local_answer(void);
extern int local_data;
int use_local(void) { return local_answer() * 100 + local_data; }
