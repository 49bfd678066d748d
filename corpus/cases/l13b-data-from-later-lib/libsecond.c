int table_of_second[4] = {1, 2, 30, 400};
