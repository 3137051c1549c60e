#include <stdio.h>
#include <string.h>
#include "portbench.h"

pb_u32 pb_text_digest(const pb_u32 *table, int n)
{
    char text[PB_TEXT_BYTES];
    int len = snprintf(text, sizeof text, "%lu..%lu", (unsigned long)table[0], (unsigned long)table[n - 1]);
    pb_u32 h = (pb_u32)len;
    for (size_t i = 0; i < strlen(text); i++)
        h = h * 33u + (unsigned char)text[i];
    return h;
}
