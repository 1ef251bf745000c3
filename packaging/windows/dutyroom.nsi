; The Windows installer of the duty-room client, for makensis (NSIS 3,
; Debian's nsis package); packaging/windows.sh defines VERSION (the
; package version), NUMVERSION (its a.b.c.d form), STAGE (the folder of
; the files to install), ICON and OUTFILE.
;
; It installs for every user of the PC into Program Files\DutyRoom, puts
; 值班室, 值班室演示 and 卸载值班室 in the Start menu, and registers the
; uninstaller in Settings → Apps (Add/Remove Programs). Installing a new
; version over an old one replaces the program files in place. Nothing
; here writes or deletes a user's data: the client keeps it in
; %APPDATA%\dutyroom (and the demo in %USERPROFILE%\值班室演示), which the
; uninstaller leaves alone.

; A 64-bit installer for a 64-bit program (NSIS's amd64 stubs).
Target amd64-unicode
ManifestDPIAware true
SetCompressor /SOLID lzma
!include "MUI2.nsh"
!include "x64.nsh"

!define REGKEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\DutyRoom"

Name "值班室"
Caption "值班室 ${VERSION} 安装"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\DutyRoom"
; An upgrade goes where the previous version went.
InstallDirRegKey HKLM "${REGKEY}" "InstallLocation"
RequestExecutionLevel admin
BrandingText "值班室 ${VERSION}"

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_NOAUTOCLOSE
!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "SimpChinese"

VIProductVersion "${NUMVERSION}"
VIFileVersion "${NUMVERSION}"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "ProductName" "值班室 DutyRoom"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "FileDescription" "值班室安装程序"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "LegalCopyright" "DutyRoom authors"

Function .onInit
	; The client is a 64-bit program; its registry entries go in the
	; 64-bit view, where Settings → Apps looks for them.
	${IfNot} ${RunningX64}
		MessageBox MB_ICONSTOP "值班室需要 64 位 Windows。"
		Abort
	${EndIf}
	SetRegView 64
FunctionEnd

Function un.onInit
	SetRegView 64
FunctionEnd

Section "值班室"
	SetShellVarContext all
	SetOutPath "$INSTDIR"
	File "${STAGE}\dutyroom.exe"
	File "${STAGE}\LICENSE.txt"
	WriteUninstaller "$INSTDIR\uninstall.exe"

	CreateDirectory "$SMPROGRAMS\值班室"
	CreateShortcut "$SMPROGRAMS\值班室\值班室.lnk" "$INSTDIR\dutyroom.exe" "" "$INSTDIR\dutyroom.exe" 0
	; The demo prefecture in a folder of its own in each user's profile,
	; never in the real data folder (dutyroom.exe expands the variable).
	CreateShortcut "$SMPROGRAMS\值班室\值班室演示.lnk" "$INSTDIR\dutyroom.exe" \
		'-data "%USERPROFILE%\值班室演示" -demo' "$INSTDIR\dutyroom.exe" 0
	CreateShortcut "$SMPROGRAMS\值班室\卸载值班室.lnk" "$INSTDIR\uninstall.exe"

	WriteRegStr HKLM "${REGKEY}" "DisplayName" "值班室 DutyRoom"
	WriteRegStr HKLM "${REGKEY}" "DisplayVersion" "${VERSION}"
	WriteRegStr HKLM "${REGKEY}" "Publisher" "DutyRoom"
	WriteRegStr HKLM "${REGKEY}" "DisplayIcon" "$INSTDIR\dutyroom.exe"
	WriteRegStr HKLM "${REGKEY}" "InstallLocation" "$INSTDIR"
	WriteRegStr HKLM "${REGKEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
	WriteRegStr HKLM "${REGKEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
	WriteRegDWORD HKLM "${REGKEY}" "NoModify" 1
	WriteRegDWORD HKLM "${REGKEY}" "NoRepair" 1
	SectionGetSize 0 $0
	WriteRegDWORD HKLM "${REGKEY}" "EstimatedSize" $0
SectionEnd

; Removes the program, its Start-menu entries and its registration; never a
; user's data folder (%APPDATA%\dutyroom) or demo folder.
Section "Uninstall"
	SetShellVarContext all
	Delete "$INSTDIR\dutyroom.exe"
	Delete "$INSTDIR\LICENSE.txt"
	Delete "$INSTDIR\uninstall.exe"
	RMDir "$INSTDIR"
	Delete "$SMPROGRAMS\值班室\值班室.lnk"
	Delete "$SMPROGRAMS\值班室\值班室演示.lnk"
	Delete "$SMPROGRAMS\值班室\卸载值班室.lnk"
	RMDir "$SMPROGRAMS\值班室"
	DeleteRegKey HKLM "${REGKEY}"
SectionEnd
