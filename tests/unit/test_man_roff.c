/* --help text to roff (util/man_roff.c): sections, layout, escapes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "util/man_roff.h"

static char *body(const char *text, int demote)
{
    char *out = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&out, &size);
    man_roff_body(mem, text, demote);
    fclose(mem);
    return out;
}

static void test_sections_and_layout(void **state)
{
    (void) state;
    char *roff = body("SYNOPSIS\n  pontoond [--db=FILE]\n\nOptions:\n  --db=FILE   the file\n"
                      "    more\n", 0);
    assert_string_equal(roff, ".SH SYNOPSIS\n.nf\npontoond [\\-\\-db=FILE]\n.fi\n.PP\n"
                              ".SS Options\n.nf\n\\-\\-db=FILE   the file\n  more\n.fi\n");
    free(roff);
    /* Inside a command's manual, headings are bold paragraph titles. */
    roff = body("DESCRIPTION\n  text\n", 1);
    assert_string_equal(roff, ".PP\n.B DESCRIPTION\n.nf\ntext\n.fi\n");
    free(roff);
}

static void test_escapes(void **state)
{
    (void) state;
    /* A backslash, a line that would start a request, hyphens as minus. */
    char *roff = body("  a\\b\n.not a request\n'neither\n", 0);
    assert_string_equal(roff, ".nf\na\\eb\n\\&.not a request\n\\&'neither\n.fi\n");
    free(roff);
    char *out = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&out, &size);
    man_roff_header(mem, "pontoon", "8", "configure the switch", "Pontoon 1.0");
    fclose(mem);
    assert_string_equal(out, ".TH PONTOON 8 \"\" \"Pontoon 1.0\" \"Pontoon Manual\"\n.SH NAME\n"
                             "pontoon \\- configure the switch\n");
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sections_and_layout),
        cmocka_unit_test(test_escapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
