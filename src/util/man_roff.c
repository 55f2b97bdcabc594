/* --help text to roff: see man_roff.h. */
#include "util/man_roff.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

/* Writes `len` bytes of text with roff's specials escaped: backslashes,
 * hyphens (as minus signs: options read as typed) and a leading period or
 * apostrophe (which would start a request). */
static void escaped(FILE *out, const char *s, size_t len)
{
    if (len && (s[0] == '.' || s[0] == '\''))
        fputs("\\&", out);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\\')
            fputs("\\e", out);
        else if (s[i] == '-')
            fputs("\\-", out);
        else
            fputc(s[i], out);
    }
}

void man_roff_text(FILE *out, const char *text)
{
    escaped(out, text, strlen(text));
}

void man_roff_header(FILE *out, const char *name, const char *section, const char *summary,
                     const char *source)
{
    char upper[64];
    size_t n = 0;
    for (; name[n] && n < sizeof upper - 1; n++)
        upper[n] = (char)toupper((unsigned char)name[n]);
    upper[n] = '\0';
    fprintf(out, ".TH %s %s \"\" \"%s\" \"Pontoon Manual\"\n.SH NAME\n", upper, section, source);
    escaped(out, name, strlen(name));
    fputs(" \\- ", out);
    escaped(out, summary, strlen(summary));
    fputc('\n', out);
}

/* A section heading: capitals, digits, spaces and a few signs only. */
static bool is_section(const char *s, size_t len)
{
    bool letter = false;
    for (size_t i = 0; i < len; i++) {
        if (isupper((unsigned char)s[i]))
            letter = true;
        else if (!strchr(" -/", s[i]) && !isdigit((unsigned char)s[i]))
            return false;
    }
    return letter;
}

void man_roff_body(FILE *out, const char *text, int demote)
{
    bool filling = true;          /* outside a no-fill block */
    for (const char *line = text; *line;) {
        size_t len = strcspn(line, "\n");
        bool at_margin = len && !isspace((unsigned char)line[0]);
        bool section = at_margin && is_section(line, len);
        bool subsection = at_margin && !section && line[len - 1] == ':';
        if (section || subsection) {
            if (!filling)
                fputs(".fi\n", out);
            filling = true;
            /* Inside a command's own manual (demoted) its sections are
             * bold paragraph titles: man(7) has two heading levels. */
            fputs(!demote ? (section ? ".SH " : ".SS ") : ".PP\n.B ", out);
            escaped(out, line, subsection ? len - 1 : len);
            fputc('\n', out);
        } else if (len == 0) {
            if (!filling)
                fputs(".fi\n", out);
            filling = true;
            fputs(".PP\n", out);
        } else {
            if (filling)
                fputs(".nf\n", out);
            filling = false;
            /* man indents sections itself: the help's own two spaces go. */
            size_t indent = line[0] == ' ' ? (line[1] == ' ' ? 2 : 1) : 0;
            escaped(out, line + indent, len - indent);
            fputc('\n', out);
        }
        line += len + (line[len] == '\n');
    }
    if (!filling)
        fputs(".fi\n", out);
}
