/* carrelctl volume: carrel_blk volumes (see docs/kmod.md). */
#pragma once

/* argv[0] is "volume". Returns 0 or a negative errno after one line on
 * stderr. */
int verb_volume(int argc, char *argv[]);
