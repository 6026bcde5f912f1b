<#
.SYNOPSIS
  credgate Enable-TemporaryAccount: enables an existing account until an expiry, optionally in a group.

.DESCRIPTION
  Run by credgate when a request is granted: through NinjaOne's script library (the ninjaone
  provider sends the parameters) or directly with `pwsh -File` (the command provider).
  Idempotent: it sets the account to a wanted state (enabled, expiring at -ExpiresAt, member of
  -Group), so a retried or twice-delivered run changes nothing more.
  It never creates an account: a shared credential is an account the MSP already manages, and
  an account created here would have a password nobody holds (exit 3 instead).
  Nothing secret is a parameter or printed: NinjaOne keeps both in its activity log.

  Exit codes (templates/powershell/README.md; credgate reads only 0 as success):
    0 done (or already so)   1 unexpected error (module missing, domain unreachable)
    2 bad parameters         3 no such account     4 no such group
#>
# No [Parameter(Mandatory)] and no Validate* attributes: a binding failure would exit with
# PowerShell's own code; the checks below exit with the documented ones instead.
param(
  [string]$Account,
  [string]$Scope = 'Local',
  [string]$Group,
  [string]$ExpiresAt
)

$ErrorActionPreference = 'Stop'

function Exit-With([int]$Code, [string]$Message) {
  # One line on stdout: what NinjaOne shows as the activity's message and credgate quotes in its error.
  Write-Output "credgate Enable-TemporaryAccount: $Message"
  exit $Code
}

# The same rules credgate checks before it sends a run: a SAM account name, a plain group name.
if ($Account -notmatch '^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$') { Exit-With 2 'bad or missing -Account' }
if ($Scope -notin @('Local', 'Domain')) { Exit-With 2 "-Scope is Local or Domain, not '$Scope'" }
if ($Group -and $Group -notmatch '^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$') { Exit-With 2 'bad -Group' }
$expiry = [DateTimeOffset]::MinValue
$styles = [Globalization.DateTimeStyles]::AssumeUniversal
if (-not [DateTimeOffset]::TryParse($ExpiresAt, [Globalization.CultureInfo]::InvariantCulture, $styles, [ref]$expiry)) {
  Exit-With 2 'bad or missing -ExpiresAt (ISO 8601, UTC)'
}

try {
  if ($Scope -eq 'Local') {
    # Microsoft.PowerShell.LocalAccounts ships with Windows PowerShell 5.1 (Windows 10 / Server 2016+).
    Import-Module Microsoft.PowerShell.LocalAccounts -ErrorAction Stop
    $user = Get-LocalUser -Name $Account -ErrorAction SilentlyContinue
    if (-not $user) { Exit-With 3 "account $Account not found" }
    if ($Group -and -not (Get-LocalGroup -Name $Group -ErrorAction SilentlyContinue)) {
      Exit-With 4 "local group $Group not found"
    }
    # Windows ends the account itself at the expiry, even if credgate is down then: the device
    # does not depend on the revocation arriving on time. -AccountExpires takes local time.
    Set-LocalUser -Name $Account -AccountExpires $expiry.LocalDateTime
    Enable-LocalUser -Name $Account
    if ($Group) {
      # Add-LocalGroupMember fails on an existing member: look first, so a rerun is harmless.
      $member = Get-LocalGroupMember -Group $Group -ErrorAction SilentlyContinue |
        Where-Object { ($_.Name -split '\\')[-1] -eq $Account }
      if (-not $member) { Add-LocalGroupMember -Group $Group -Member $Account }
    }
  } else {
    # Domain accounts: run on a domain controller or a host with RSAT, as a credential allowed to
    # change the account (NinjaOne runAs: a domain credential).
    Import-Module ActiveDirectory -ErrorAction Stop
    $user = Get-ADUser -Filter "SamAccountName -eq '$Account'"
    if (-not $user) { Exit-With 3 "account $Account not found" }
    # Looked up by name once; the object, not the name, is what the member cmdlets take (their
    # -Identity reads a SamAccountName, which can differ from the group's display name).
    $adGroup = if ($Group) { Get-ADGroup -Filter "Name -eq '$Group'" }
    if ($Group -and -not $adGroup) { Exit-With 4 "AD group $Group not found" }
    Set-ADAccountExpiration -Identity $user -DateTime $expiry.LocalDateTime
    Enable-ADAccount -Identity $user
    if ($Group) {
      $members = Get-ADGroupMember -Identity $adGroup | Where-Object { $_.SamAccountName -eq $Account }
      if (-not $members) { Add-ADGroupMember -Identity $adGroup -Members $user }
    }
  }
} catch {
  # The exception's message only: it names the account or group, never a secret (there is none here).
  Exit-With 1 "failed: $($_.Exception.Message)"
}

Exit-With 0 "$Account enabled until $($expiry.UtcDateTime.ToString('o'))$(if ($Group) { " in $Group" })"
