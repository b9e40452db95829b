/* carrelctl policy: check, explain and show the GDPR policy (docs/policy.md). */
#pragma once

int verb_policy(int argc, char *argv[]);
