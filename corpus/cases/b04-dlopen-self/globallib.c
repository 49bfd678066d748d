int globallib_data = 77;
