/* The program itself defines no main: the library it is linked against does (as a program may get
 * its main from a library with ld.so). */
const char *program_name(void) { return "l13c"; }
