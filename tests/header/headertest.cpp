// The public header must compile alone as C++.
#include "vmlockstat.h"

int vls_headertest_cxx();
int vls_headertest_cxx()
{
	vls_event ev = {};
	return static_cast<int>(ev.kind) + VLS_VERSION_NUM;
}
