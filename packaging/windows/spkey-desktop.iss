; Windows installer for spkey-desktop, for Inno Setup 6.3 or later.
;
; Build the application folder first, on Windows with 64-bit Python 3.11:
;   py -3.11 packaging\build_app.py
; then compile this script (from the clone's root):
;   "%ProgramFiles(x86)%\Inno Setup 6\ISCC.exe" packaging\windows\spkey-desktop.iss
; The installer is written to dist\spkey-desktop-<version>-setup.exe.
;
; The version is read from the built executable's version resource, which the
; PyInstaller spec fills in from the package metadata: it is not repeated here.
; Silent installation for IT (all users, no questions):
;   spkey-desktop-<version>-setup.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /ALLUSERS
;
; TODO(#6): written against the Inno Setup 6.3 documentation and checked on
; Linux by tests/packaging only; never compiled or run on Windows. Unsigned.

#define AppName "SmartphoneKey Plates"
#define AppDir SourcePath + "..\..\dist\spkey-desktop"
#define AppExe AppDir + "\spkey-desktop.exe"
#define AppIcon SourcePath + "..\..\build\icons\spkey-desktop.ico"

#if !FileExists(AppExe)
  #error "Build the application folder first (py -3.11 packaging\build_app.py): " + AppExe + " is missing."
#endif
#define AppVersion GetFileProductVersionString(AppExe)

[Setup]
; Identifies the app to Windows across versions: never change it.
AppId={{0240C3E3-3EDF-456B-B64B-145571A2B208}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=SmartphoneKey
VersionInfoVersion={#GetVersionNumbersString(AppExe)}
VersionInfoProductTextVersion={#AppVersion}
DefaultDirName={autopf}\spkey-desktop
DisableProgramGroupPage=yes
; For all users by default; /CURRENTUSER (or the dialog) installs for one user
; without administrator rights.
PrivilegesRequired=admin
PrivilegesRequiredOverridesAllowed=commandline dialog
; Qt 6.11 runs on 64-bit Windows 10 version 1809 (build 17763) and later.
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0.17763
OutputDir=..\..\dist
OutputBaseFilename=spkey-desktop-{#AppVersion}-setup
SetupIconFile={#AppIcon}
UninstallDisplayIcon={app}\spkey-desktop.exe
UninstallDisplayName={#AppName}
WizardStyle=modern
Compression=lzma2
SolidCompression=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An upgrade must not keep libraries the new version no longer ships.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#AppDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\spkey-desktop.exe"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\spkey-desktop.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\spkey-desktop.exe"; Description: "{cm:LaunchProgram,{#StringChange(AppName, '&', '&&')}}"; Flags: nowait postinstall skipifsilent
