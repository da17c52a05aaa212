@echo off
rem Installs spkey-desktop @VERSION@ from this folder, with no internet access:
rem runs install.ps1 beside it (see there for the options, e.g. -Prefix DIR).
powershell.exe -NoProfile -ExecutionPolicy Bypass -File "%~dp0install.ps1" %*
exit /b %ERRORLEVEL%
