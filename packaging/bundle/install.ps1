<#
.SYNOPSIS
Installs spkey-desktop @VERSION@ from this folder, with no internet access.

.DESCRIPTION
Creates a virtual environment in the prefix folder and installs the wheels in
wheels\ into it with pip, which is given nothing but this folder to install
from; requirements.txt pins every wheel by its SHA-256, so a damaged copy is
refused. Then adds a Start menu shortcut (for the current user).

.EXAMPLE
powershell -ExecutionPolicy Bypass -File install.ps1
.EXAMPLE
powershell -ExecutionPolicy Bypass -File install.ps1 -Prefix 'C:\Apps\spkey-desktop'
.EXAMPLE
powershell -ExecutionPolicy Bypass -File install.ps1 -Uninstall
#>
# TODO(#6): not yet run on Windows (no PowerShell where it was written); the
# Linux install.sh beside it is what CI installs and tests.
[CmdletBinding()]
param(
    # Where the app goes.
    [string]$Prefix = (Join-Path $env:LOCALAPPDATA 'Programs\spkey-desktop'),
    # The Python @PYTHON_VERSION@ to use; default: the py launcher's, else python.
    [string]$Python = '',
    # Add no Start menu shortcut.
    [switch]$NoShortcut,
    # Remove the installation in the prefix folder and its shortcut.
    [switch]$Uninstall
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$here = $PSScriptRoot
$marker = Join-Path $Prefix '.spkey-desktop-install'
$shortcut = Join-Path ([Environment]::GetFolderPath('Programs')) 'SmartphoneKey Plates.lnk'

function Invoke-Checked([string]$Exe, [string[]]$Arguments) {
    & $Exe @Arguments
    if ($LASTEXITCODE -ne 0) { throw "'$Exe $Arguments' failed (exit code $LASTEXITCODE)." }
}

function Remove-Installation {
    if (-not (Test-Path $marker)) { throw "There is no spkey-desktop installation in $Prefix." }
    if (Test-Path $shortcut) { Remove-Item $shortcut }
    Remove-Item -Recurse -Force $Prefix
}

if ($Uninstall) {
    Remove-Installation
    Write-Host "Removed the spkey-desktop installation in $Prefix"
    exit 0
}

# --- the Python to install into ------------------------------------------------
# The wheels were built for one Python version (some hold compiled code).
$launcher = @()
if ($Python) { $exe = $Python }
elseif (Get-Command py -ErrorAction SilentlyContinue) { $exe = 'py'; $launcher = @('-@PYTHON_VERSION@') }
else { $exe = 'python' }
$found = & $exe @launcher -c "import sys; print('%d.%d' % sys.version_info[:2])"
if ($LASTEXITCODE -ne 0 -or $found -ne '@PYTHON_VERSION@') {
    throw "This bundle is for Python @PYTHON_VERSION@ (64-bit); '$exe $launcher' is '$found'. Install Python @PYTHON_VERSION@ or pass -Python."
}

# --- the app, in its own virtual environment --------------------------------------
if (Test-Path $marker) { Remove-Installation }
elseif ((Test-Path $Prefix) -and (Get-ChildItem -Force $Prefix)) {
    throw "$Prefix exists and is not an spkey-desktop installation; choose another -Prefix."
}
Invoke-Checked $exe ($launcher + @('-m', 'venv', $Prefix))
# pip adds find-links and index settings from its configuration files and PIP_*
# variables to the command line's: drop them all, so this folder is the only
# source, whatever the machine is set up for.
Get-ChildItem env: | Where-Object Name -like 'PIP_*' | ForEach-Object { Remove-Item "env:$($_.Name)" }
$env:PIP_CONFIG_FILE = 'nul'
$env:PIP_DISABLE_PIP_VERSION_CHECK = '1'
$env:PIP_NO_INPUT = '1'
$venvPython = Join-Path $Prefix 'Scripts\python.exe'
Invoke-Checked $venvPython @('-m', 'pip', 'install', '--quiet', '--no-index',
    '--find-links', (Join-Path $here 'wheels'), '--require-hashes',
    '--requirement', (Join-Path $here 'requirements.txt'))
$installed = & $venvPython -m spkey_desktop --version
if ($installed -ne '@VERSION@') { throw "The installed spkey-desktop says it is '$installed'." }
Copy-Item (Join-Path $here 'share\spkey-desktop.ico') $Prefix
Set-Content -Path $marker -Value "kind=bundle`nversion=@VERSION@"
Write-Host "Installed spkey-desktop $installed in $Prefix"

if (-not $NoShortcut) {
    # pythonw.exe: a window app started from the menu should open no console.
    $link = (New-Object -ComObject WScript.Shell).CreateShortcut($shortcut)
    $link.TargetPath = Join-Path $Prefix 'Scripts\pythonw.exe'
    $link.Arguments = '-m spkey_desktop'
    $link.WorkingDirectory = $Prefix
    $link.IconLocation = Join-Path $Prefix 'spkey-desktop.ico'
    $link.Description = 'Manage the licence plates registered on SmartphoneKey users'
    $link.Save()
    Write-Host "Start menu shortcut: $shortcut"
}
