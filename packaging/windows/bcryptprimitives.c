/*
 * A stand-in for Windows 10's bcryptprimitives.dll, for the package test
 * only: Debian 12's wine (8.0) lacks the DLL, and Go's runtime (since Go
 * 1.22) refuses to start without its ProcessPrng. Real Windows 10 and 11
 * have their own; this file is never shipped. It answers with the random
 * bytes of RtlGenRandom (advapi32's SystemFunction036), which wine has.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buf, ULONG len);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
