<#
.SYNOPSIS
  credgate Disable-TemporaryAccount: disables an account and takes it out of the granted group.

.DESCRIPTION
  Run by credgate at revocation (expiry, cancellation, review): through NinjaOne's script
  library (the ninjaone provider) or with `pwsh -File` (the command provider).
  Idempotent: an account already disabled and outside the group is left as it is, so a retried
  revocation succeeds. The account is disabled, never deleted: it is a shared account the MSP
  manages, and its next grant enables it again.
  Its expiry is cleared as well, so the next grant's expiry is the only one that counts.

  Exit codes (templates/powershell/README.md):
    0 done (or already so)   1 unexpected error   2 bad parameters
    3 no such account        4 no such group
#>
# No Mandatory / Validate* attributes: the documented exit codes, not PowerShell's binding error.
param(
  [string]$Account,
  [string]$Scope = 'Local',
  [string]$Group
)

$ErrorActionPreference = 'Stop'

function Exit-With([int]$Code, [string]$Message) {
  Write-Output "credgate Disable-TemporaryAccount: $Message"
  exit $Code
}

if ($Account -notmatch '^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$') { Exit-With 2 'bad or missing -Account' }
if ($Scope -notin @('Local', 'Domain')) { Exit-With 2 "-Scope is Local or Domain, not '$Scope'" }
if ($Group -and $Group -notmatch '^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$') { Exit-With 2 'bad -Group' }

try {
  if ($Scope -eq 'Local') {
    Import-Module Microsoft.PowerShell.LocalAccounts -ErrorAction Stop
    $user = Get-LocalUser -Name $Account -ErrorAction SilentlyContinue
    if (-not $user) { Exit-With 3 "account $Account not found" }
    if ($Group -and -not (Get-LocalGroup -Name $Group -ErrorAction SilentlyContinue)) {
      Exit-With 4 "local group $Group not found"
    }
    # Disabled first: whatever fails after this, the account can no longer sign in.
    Disable-LocalUser -Name $Account
    Set-LocalUser -Name $Account -AccountNeverExpires
    if ($Group) {
      $member = Get-LocalGroupMember -Group $Group -ErrorAction SilentlyContinue |
        Where-Object { ($_.Name -split '\\')[-1] -eq $Account }
      if ($member) { Remove-LocalGroupMember -Group $Group -Member $Account }
    }
  } else {
    Import-Module ActiveDirectory -ErrorAction Stop
    $user = Get-ADUser -Filter "SamAccountName -eq '$Account'"
    if (-not $user) { Exit-With 3 "account $Account not found" }
    # Looked up by name once; the object, not the name, is what the member cmdlets take (their
    # -Identity reads a SamAccountName, which can differ from the group's display name).
    $adGroup = if ($Group) { Get-ADGroup -Filter "Name -eq '$Group'" }
    if ($Group -and -not $adGroup) { Exit-With 4 "AD group $Group not found" }
    Disable-ADAccount -Identity $user
    Clear-ADAccountExpiration -Identity $user
    if ($Group) {
      $members = Get-ADGroupMember -Identity $adGroup | Where-Object { $_.SamAccountName -eq $Account }
      if ($members) { Remove-ADGroupMember -Identity $adGroup -Members $user -Confirm:$false }
    }
  }
} catch {
  Exit-With 1 "failed: $($_.Exception.Message)"
}

Exit-With 0 "$Account disabled$(if ($Group) { " and removed from $Group" })"
