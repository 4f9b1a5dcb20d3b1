import type { NotifySender } from './notify-channel.js';

/** Posts the notification; anything but a 2xx answer is a failure, said with its status. */
const sendWebhook: NotifySender = {
  async send(address, notification, context) {
    const body = JSON.stringify({ text: notification.text, stepwise: { event: notification.event, subject: notification.subject, ...notification.fields } });
    const response = await fetch(address, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'stepwise' },
      body,
      signal: context.signal,
      redirect: 'error',
    });
    // drained, so that the connection is released at once
    await response.arrayBuffer().catch(() => undefined);
    if (!response.ok) throw new Error(`it answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
  },
};

export default sendWebhook;
