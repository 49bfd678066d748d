int closable_value = 99;
