; Ferry's additions to electron-builder's NSIS installer (electron-builder.yml, nsis.include).
;
; Explorer's context menu gets "Share with Ferry" on files and folders: it runs
;   "<install folder>\Ferry.exe" --upload "<the file>"
; once per selected item (MultiSelectModel Player: up to 100 items, where the default hides the verb
; beyond 15); the running Ferry receives each through its single-instance lock.
;
; SHELL_CONTEXT is HKEY_CURRENT_USER for a per-user install and HKEY_LOCAL_MACHINE for a
; per-machine one: electron-builder's multiUser.nsh sets it (SetShellVarContext) before these
; macros run, in the installer and in the uninstaller alike, so the verb lives where the install
; does and goes with it. An update runs the old uninstaller first, then customInstall again.

!define FERRY_VERB_FILES "Software\Classes\*\shell\FerryShare"
!define FERRY_VERB_FOLDERS "Software\Classes\Directory\shell\FerryShare"

!macro ferryAddVerb KEY
  WriteRegStr SHELL_CONTEXT "${KEY}" "" "Share with Ferry"
  WriteRegStr SHELL_CONTEXT "${KEY}" "Icon" "$INSTDIR\${APP_EXECUTABLE_FILENAME},0"
  WriteRegStr SHELL_CONTEXT "${KEY}" "MultiSelectModel" "Player"
  ; Both paths quoted: the install folder may hold spaces (C:\Program Files\Ferry), and so may the file.
  WriteRegStr SHELL_CONTEXT "${KEY}\command" "" '"$INSTDIR\${APP_EXECUTABLE_FILENAME}" --upload "%1"'
!macroend

!macro customInstall
  !insertmacro ferryAddVerb "${FERRY_VERB_FILES}"
  !insertmacro ferryAddVerb "${FERRY_VERB_FOLDERS}"
  ; SHCNE_ASSOCCHANGED: Explorer rereads the verbs without a restart.
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'
!macroend

!macro customUnInstall
  DeleteRegKey SHELL_CONTEXT "${FERRY_VERB_FILES}"
  DeleteRegKey SHELL_CONTEXT "${FERRY_VERB_FOLDERS}"
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'
!macroend
