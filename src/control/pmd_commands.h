/* dpif-netdev/pmd-rxq-show, pmd-stats-show, pmd-stats-clear, pmd-rxq-rebalance. */
#ifndef PONTOON_CONTROL_PMD_COMMANDS_H
#define PONTOON_CONTROL_PMD_COMMANDS_H

struct control_server;
struct switch_state;

void pmd_commands_register(struct control_server *server, struct switch_state *st);

#endif
