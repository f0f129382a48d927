/* rt_version.c: the library's own version, for islet_version(). */
#include <islet/version.h>

const char *islet_version(void)
{
    return ISLET_VERSION_STRING;
}
