// Offload webhook media type for Zabbix 6.0+ (Alerts → Media types → Create media type → Webhook;
// paste this as the Script). It posts the JSON body documented in offload/alerts/normalize/zabbix.py.
//
// Parameters to define on the media type (name = value):
//   endpoint = the Offload endpoint URL shown when the integration token was created
//   token = the integration token (sent as "Authorization: Bearer <token>")
//   event_id = {EVENT.ID}                      event_value = {EVENT.VALUE}
//   event_update_status = {EVENT.UPDATE.STATUS} event_update_action = {EVENT.UPDATE.ACTION}
//   event_update_message = {EVENT.UPDATE.MESSAGE}
//   event_recovery_id = {EVENT.RECOVERY.ID}    event_name = {EVENT.NAME}
//   event_severity = {EVENT.SEVERITY}          event_nseverity = {EVENT.NSEVERITY}
//   event_date = {EVENT.DATE}                  event_time = {EVENT.TIME}
//   event_recovery_date = {EVENT.RECOVERY.DATE} event_recovery_time = {EVENT.RECOVERY.TIME}
//   event_tags = {EVENT.TAGSJSON}              event_opdata = {EVENT.OPDATA}
//   timezone = the Zabbix server's UTC offset, e.g. +01:00 (Zabbix dates are server local time)
//   trigger_id = {TRIGGER.ID}   trigger_name = {TRIGGER.NAME}   trigger_description = {TRIGGER.DESCRIPTION}
//   host_host = {HOST.HOST}     host_name = {HOST.NAME}   host_ip = {HOST.IP}   host_dns = {HOST.DNS}
//   subject = {ALERT.SUBJECT}   message = {ALERT.MESSAGE}
//   url = {$ZABBIX.URL}/tr_events.php?triggerid={TRIGGER.ID}&eventid={EVENT.ID}
// Use the media type for problem, recovery and update operations alike; Offload tells them apart.

var params = JSON.parse(value);

if (!params.endpoint) {
    throw 'Offload: the "endpoint" parameter is missing';
}

var body = {
    event: {
        id: params.event_id,
        value: params.event_value,
        update_status: params.event_update_status,
        update_action: params.event_update_action,
        update_message: params.event_update_message,
        recovery_id: params.event_recovery_id,
        name: params.event_name,
        severity: params.event_severity,
        nseverity: params.event_nseverity,
        date: params.event_date,
        time: params.event_time,
        recovery_date: params.event_recovery_date,
        recovery_time: params.event_recovery_time,
        timezone: params.timezone,
        tags: params.event_tags,
        opdata: params.event_opdata
    },
    trigger: {
        id: params.trigger_id,
        name: params.trigger_name,
        description: params.trigger_description
    },
    host: {
        host: params.host_host,
        name: params.host_name,
        ip: params.host_ip,
        dns: params.host_dns
    },
    subject: params.subject,
    message: params.message,
    url: params.url
};

var request = new HttpRequest();
request.addHeader('Content-Type: application/json');
if (params.token) {
    request.addHeader('Authorization: Bearer ' + params.token);
}
var response = request.post(params.endpoint, JSON.stringify(body));
var status = request.getStatus();
if (status < 200 || status >= 300) {
    // Zabbix retries the operation according to the media type's attempts setting.
    throw 'Offload answered HTTP ' + status + ': ' + String(response).substring(0, 500);
}
return 'OK';
