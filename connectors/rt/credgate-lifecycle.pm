# RT_SiteConfig.d drop-in for credgate: the "credgate" lifecycle its queue uses, and where the
# webhook Scrip (webhook-scrip.initialdata) posts. Copy to /etc/request-tracker5/RT_SiteConfig.d/
# (as 60-credgate.pm) and restart RT.
#
# Status names are what credgate's `rt.statuses` default to; rename both together. Approvers need
# ModifyTicket on the queue to move a ticket to "approved" (credgate checks who did it and moves it
# back when they may not approve); any status may follow any other, because credgate moves tickets
# back and forth (an approval it refuses returns to "pending approval").
my @credgate_statuses = (
    'new', 'open', 'awaiting info', 'pending approval', 'approved', 'access granted', 'revocation failed',
    'declined', 'access revoked', 'expired', 'resolved', 'rejected', 'deleted',
);
Set(%Lifecycles,
    credgate => {
        initial  => ['new'],
        active   => ['open', 'awaiting info', 'pending approval', 'approved', 'access granted', 'revocation failed'],
        inactive => ['declined', 'access revoked', 'expired', 'resolved', 'rejected', 'deleted'],
        defaults => { on_create => 'new' },
        transitions => {
            '' => ['new', 'open'],
            map { my $from = $_; ($from => [grep { $_ ne $from } @credgate_statuses]) } @credgate_statuses,
        },
        rights => { '* -> deleted' => 'DeleteTicket', '* -> *' => 'ModifyTicket' },
    },
);

# The webhook's settings go beside it (not in RT's database, so no RT user can read the secret):
#   Set($CredgateWebhookURL, 'https://credgate.example.com/webhooks/rt');
#   Set($CredgateWebhookSecret, '<the value of credgate's RT_WEBHOOK_SECRET, 16+ characters>');
#   Set($CredgateRTUser, 'credgate');   # its own changes send no webhook
1;
