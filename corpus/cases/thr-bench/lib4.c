/* One of eight libraries main dlopens while the threads run. */
static int calls;
static int table[4] = {1, 2, 3, 4};

int work4(int x) {
    calls++;
    return x + table[x & 3] + 4;
}
