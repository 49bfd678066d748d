int plugin_answer(int x) { return x + 22; }
