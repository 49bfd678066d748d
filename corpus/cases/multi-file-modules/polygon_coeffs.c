/* #included by area.c (not a module file of its own): area of a regular polygon with unit sides,
 * n / (4 tan(pi / n)), by number of sides. */
static const double polygon_coeff[] = {
    0, 0, 0,
    0.4330127018922193, /* 3 */
    1.0,                /* 4 */
    1.7204774005889669, /* 5 */
    2.5980762113533160, /* 6 */
};
