<#
.SYNOPSIS
  credgate Reset-AccountPassword: sets a new random password and hands it to credgate unseen.

.DESCRIPTION
  Run by credgate at the end of a shared grant (rotation). The password is generated here, on
  the device, and never printed and never a parameter: NinjaOne keeps a script's parameters and
  output in its activity log, where every technician could read them.

  Two hand-offs, chosen with -Handoff:
    NinjaField (default; credgate's ninjaone provider): the password is sealed with credgate's
      RSA public key (-SealModulus / -SealExponent, base64, RSA-OAEP with SHA-1, the padding
      .NET Framework and .NET both offer) and written as "<RunId>:<base64>" to the device custom
      field -Field with Ninja-Property-Set. credgate reads the field, clears it and opens the
      value with its private key: NinjaOne only ever holds ciphertext.
    Stdout (credgate's command provider, `pwsh -File`): one line {"secret":"..."} on stdout,
      which goes down a pipe to credgate only; credgate scrubs it from the output it audits.

  Idempotent by -RunId (NinjaField): a run id already completed on this device (a twice-delivered
  run) does nothing, so it cannot change the password again after credgate took the sealed one.

  Exit codes (templates/powershell/README.md):
    0 done (or this run id already done)   1 unexpected error   2 bad parameters
    3 no such account   4 no such group   5 the custom field cannot be written
#>
# No Mandatory / Validate* attributes: the documented exit codes, not PowerShell's binding error.
param(
  [string]$Account,
  [string]$Scope = 'Local',
  # Not used to rotate; the provider sends the binding's group to every script, and a group that
  # does not exist fails here as it does for enable and disable (exit 4).
  [string]$Group,
  [string]$RunId,
  [string]$SealModulus,
  [string]$SealExponent,
  [string]$Field,
  [string]$Handoff = 'NinjaField'
)

$ErrorActionPreference = 'Stop'

function Exit-With([int]$Code, [string]$Message) {
  # Never given the password: this line is what NinjaOne logs as the run's message.
  Write-Output "credgate Reset-AccountPassword: $Message"
  exit $Code
}

if ($Account -notmatch '^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$') { Exit-With 2 'bad or missing -Account' }
if ($Scope -notin @('Local', 'Domain')) { Exit-With 2 "-Scope is Local or Domain, not '$Scope'" }
if ($Group -and $Group -notmatch '^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$') { Exit-With 2 'bad -Group' }
if ($Handoff -notin @('NinjaField', 'Stdout')) { Exit-With 2 "-Handoff is NinjaField or Stdout, not '$Handoff'" }
if ($Handoff -eq 'NinjaField') {
  if ($RunId -notmatch '^[A-Za-z0-9-]{8,64}$') { Exit-With 2 'bad or missing -RunId' }
  if (-not $SealModulus -or -not $SealExponent) { Exit-With 2 'missing -SealModulus / -SealExponent' }
  if ($Field -notmatch '^[A-Za-z][A-Za-z0-9]*$') { Exit-With 2 'bad or missing -Field' }
}

# Completed run ids, one empty file each: nothing secret, only "this run already rotated".
# NinjaField only: with Stdout, credgate itself runs the script and needs a password from every
# run it starts (a retry after a lost answer must hand over a new one), so no run is skipped.
$runs = $null
if ($Handoff -eq 'NinjaField') {
  $runs = Join-Path $env:ProgramData 'credgate\runs'
  if (Test-Path -LiteralPath (Join-Path $runs $RunId)) {
    Exit-With 0 "run $RunId already done on this device; nothing changed"
  }
}

function New-Password([int]$Length = 24) {
  # A CSPRNG and rejection sampling (no modulo bias); retried until every character class is in
  # it, which Windows' complexity policy asks for. No quote, backslash or space: nothing to escape.
  $chars = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%+-.=?@^_~'
  $limit = 256 - (256 % $chars.Length)
  $rng = [Security.Cryptography.RandomNumberGenerator]::Create()
  $byte = New-Object byte[] 1
  try {
    do {
      $out = New-Object Text.StringBuilder
      while ($out.Length -lt $Length) {
        $rng.GetBytes($byte)
        if ($byte[0] -lt $limit) { [void]$out.Append($chars[$byte[0] % $chars.Length]) }
      }
      $candidate = $out.ToString()
    } until ($candidate -cmatch '[A-Z]' -and $candidate -cmatch '[a-z]' -and $candidate -match '[0-9]' -and $candidate -match '[^A-Za-z0-9]')
    return $candidate
  } finally {
    $rng.Dispose()
  }
}

function Protect-ForCredgate([string]$Plain) {
  $key = New-Object Security.Cryptography.RSAParameters
  $key.Modulus = [Convert]::FromBase64String($SealModulus)
  $key.Exponent = [Convert]::FromBase64String($SealExponent)
  $rsa = [Security.Cryptography.RSA]::Create()
  try {
    $rsa.ImportParameters($key)
    $bytes = [Text.Encoding]::UTF8.GetBytes($Plain)
    return [Convert]::ToBase64String($rsa.Encrypt($bytes, [Security.Cryptography.RSAEncryptionPadding]::OaepSHA1))
  } finally {
    $rsa.Dispose()
  }
}

try {
  if ($Handoff -eq 'NinjaField') {
    # Checked before the password changes: a password set but not handed over is one nobody holds.
    if (-not (Get-Command Ninja-Property-Set -ErrorAction SilentlyContinue)) {
      Exit-With 5 'Ninja-Property-Set is not available (run this script through the NinjaOne agent)'
    }
    # Sealing is tried first for the same reason: a bad key fails before anything changes.
    [void](Protect-ForCredgate 'credgate key check')
  }
  if ($Scope -eq 'Local') {
    Import-Module Microsoft.PowerShell.LocalAccounts -ErrorAction Stop
    if (-not (Get-LocalUser -Name $Account -ErrorAction SilentlyContinue)) { Exit-With 3 "account $Account not found" }
    if ($Group -and -not (Get-LocalGroup -Name $Group -ErrorAction SilentlyContinue)) {
      Exit-With 4 "local group $Group not found"
    }
  } else {
    Import-Module ActiveDirectory -ErrorAction Stop
    $user = Get-ADUser -Filter "SamAccountName -eq '$Account'"
    if (-not $user) { Exit-With 3 "account $Account not found" }
    if ($Group -and -not (Get-ADGroup -Filter "Name -eq '$Group'")) { Exit-With 4 "AD group $Group not found" }
  }

  $password = New-Password
  $secure = ConvertTo-SecureString -String $password -AsPlainText -Force
  if ($Scope -eq 'Local') {
    Set-LocalUser -Name $Account -Password $secure
  } else {
    Set-ADAccountPassword -Identity $user -Reset -NewPassword $secure
  }

  if ($Handoff -eq 'NinjaField') {
    $sealed = Protect-ForCredgate $password
    $password = $null
    # "${RunId}:" with braces: "$RunId:" would read as a scope-qualified variable name.
    try {
      Ninja-Property-Set $Field "${RunId}:$sealed"
    } catch {
      # The password has changed and is lost with this run: exit 5 makes credgate retry the
      # rotation (a new run id, a new password), which it does until one is handed over.
      Exit-With 5 "custom field $Field could not be written (is it a device text field?)"
    }
  } else {
    Write-Output (ConvertTo-Json -Compress -InputObject @{ secret = $password })
    $password = $null
  }
  if ($Handoff -eq 'NinjaField') {
    [void](New-Item -ItemType Directory -Force -Path $runs)
    [void](New-Item -ItemType File -Force -Path (Join-Path $runs $RunId))
  }
} catch {
  # The exception's message names the account or the policy that refused, never the password.
  Exit-With 1 "failed: $($_.Exception.Message)"
}

Exit-With 0 "password of $Account reset$(if ($Handoff -eq 'NinjaField') { " and sealed to $Field" })"
