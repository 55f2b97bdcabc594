/* pontoon: the command-line client (ovs-vsctl and ovs-appctl syntax). */
#include <stdio.h>

#include "cli/command.h"

int main(int argc, char **argv)
{
    return cli_run(argc, argv, stdout, stderr);
}
