/* gzfile: a capture file (or stdin), gzip-compressed or not, as a FILE. */
#ifndef SIPWATCH_GZFILE_H
#define SIPWATCH_GZFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Takes fd (closed with the stream).  Fills magic with the first up to 4
 * decompressed bytes (they are still read from the stream).  NULL if zlib
 * cannot open it. */
FILE *gzfile_open(int fd, uint8_t magic[4], size_t *magic_len);

#endif
