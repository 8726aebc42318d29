/* The public header must compile alone as strict C11. */
#include "vmlockstat.h"

int vls_headertest_c(void);
int vls_headertest_c(void)
{
	vls_reader_opts ro = VLS_READER_OPTS_INIT;
	vls_import_opts io = VLS_IMPORT_OPTS_INIT;

	return (int)ro.version + (int)io.version + VLS_VERSION_NUM;
}
