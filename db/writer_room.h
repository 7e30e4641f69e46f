/* writer_room: room on disk for the writer: the reserve file, making room
 * when the disk is full, --db-max-size, stepping back up (writer_room.c).
 * For the writer's own files. */
#ifndef SIPWATCH_WRITER_ROOM_H
#define SIPWATCH_WRITER_ROOM_H

struct writer;

/* <db>-reserve: a file of a few MB (a 1/share of the free space, at most
 * 8 MiB) kept next to the db while it is open (none if there is one). */
void writer_room_reserve(struct writer *w, unsigned share);
/* The disk was full: the reserve, the WAL's space and (storing no messages)
 * pruned bodies and messages, before a retry. */
void writer_room_make(struct writer *w);
/* After a commit: within --db-max-size (prunes past the cap). */
void writer_room_bound(struct writer *w);
/* After a commit while storing less: one level back up when it is time. */
void writer_room_step_up(struct writer *w);
/* In a transaction: looks at the free space every few thousand rows
 * (sets low_space; hands the checkpoint to SQLite's own when low). */
void writer_room_check_space(struct writer *w);

#endif
