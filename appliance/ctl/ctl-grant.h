/* carrelctl grant: dual-control access grants (policy/grant-store.h). */
#pragma once

int verb_grant(int argc, char *argv[]);
