/* carrelctl pki: the site CA, device enrolment and revocation. */
#pragma once

int verb_pki(int argc, char *argv[]);
