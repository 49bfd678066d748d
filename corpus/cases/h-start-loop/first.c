int first_value(void) { return 7; }
