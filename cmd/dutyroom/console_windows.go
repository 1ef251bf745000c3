package main

import (
	"log"
	"os"
	"syscall"
)

// The Windows client is linked as a GUI program (-H windowsgui): opened
// from the Start menu or Explorer it shows its window and no console.
// Windows gives a GUI program no console and, unless the caller redirected
// them, no standard handles, so `dutyroom.exe version` typed in cmd.exe or
// PowerShell would print nothing. When a handle is missing, the program
// attaches to the console of the process that started it and writes there.
// (cmd.exe does not wait for a GUI program, so its prompt may come back
// before the output; `start /wait dutyroom.exe ...` or a pipe waits.)
// Redirected output (`> file`, a pipe, a script) has its handles and is
// left alone.
func init() {
	attachParentConsole()
}

const attachParentProcess = ^uint32(0) // ATTACH_PARENT_PROCESS, (DWORD)-1

func attachParentConsole() {
	missing := func(h syscall.Handle) bool { return h == 0 || h == syscall.InvalidHandle }
	out, _ := syscall.GetStdHandle(syscall.STD_OUTPUT_HANDLE)
	errh, _ := syscall.GetStdHandle(syscall.STD_ERROR_HANDLE)
	in, _ := syscall.GetStdHandle(syscall.STD_INPUT_HANDLE)
	if !missing(out) && !missing(errh) {
		return
	}
	attach := syscall.NewLazyDLL("kernel32.dll").NewProc("AttachConsole")
	if r, _, _ := attach.Call(uintptr(attachParentProcess)); r == 0 {
		return // started from Explorer or the Start menu: no console to print to
	}
	if con, err := os.OpenFile("CONOUT$", os.O_RDWR, 0); err == nil {
		if missing(out) {
			os.Stdout = con
		}
		if missing(errh) {
			os.Stderr = con
			log.SetOutput(con)
		}
	}
	if missing(in) {
		if con, err := os.OpenFile("CONIN$", os.O_RDWR, 0); err == nil {
			os.Stdin = con
		}
	}
}
