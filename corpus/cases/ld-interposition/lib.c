/* Defines greeting() and calls it: natively the call goes through the PLT and can be interposed. */
const char *greeting(void) { return "the library's greeting"; }
const char *library_greets(void) { return greeting(); }
