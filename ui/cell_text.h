/* cell_text: sanitised text cut to a number of terminal columns — display
 * width (wcwidth), fitting with an ellipsis and padding, wrapping prefixes —
 * so a cell is exactly its width whatever bytes came from the wire. */
#ifndef SIPWATCH_CELL_TEXT_H
#define SIPWATCH_CELL_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Widest cell laid out, in columns. */
#define CELL_TEXT_MAX_WIDTH 1024
/* Bytes a fitted text of w columns may need: 4 per column, an ellipsis, the NUL. */
#define CELL_TEXT_FIT_CAP(w) ((size_t)(w) * 4 + 8)

/* Display width of UTF-8 text (invalid bytes count one column each). */
int cell_text_width(const char *s, size_t n);
/* Fits already sanitised text into `width` columns: cut with an ellipsis,
 * padded with spaces to exactly width when pad.  Code points the terminal
 * cannot print become U+FFFD ('?' outside UTF-8 locales); zero-width ones are
 * dropped.  Returns the bytes written to out (NUL-terminated). */
size_t cell_text_fit(const char *s, size_t n, int width, bool pad, char *out, size_t cap);
/* Bytes of the longest prefix of sanitised text s[0..n) within width columns,
 * ending at a space when wrap and one exists past the first quarter.  For
 * wrapping long lines; at least one character when width > 0. */
size_t cell_text_prefix(const char *s, size_t n, int width, bool wrap);
/* Wire bytes → sanitize_text → cell_text_fit. */
size_t cell_text_cell(const char *raw, size_t n, int width, bool pad, char *out, size_t cap);

#endif
