/* The library closed under the holder's feet. */
int plugin_answer(int x) { return x + 22; }
