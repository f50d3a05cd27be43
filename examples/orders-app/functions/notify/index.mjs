// Receives a placed order (an asynchronous event) and queues the customer's notification on the queue
// named in QUEUE_NAME.
import { GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

const sqs = new SQSClient({});
// Looked up once per environment. The function asks for the URL itself, rather than being given one:
// a queue URL lambdock answered your test names the address your test reached, which a sandbox cannot.
const queueUrl = sqs.send(new GetQueueUrlCommand({ QueueName: process.env.QUEUE_NAME })).then((out) => out.QueueUrl);

export const handler = async (order) => {
  const text = `Thank you ${order.customer}, your order ${order.orderId} (${(order.total / 100).toFixed(2)} ${order.currency}) is on its way.`;
  await sqs.send(new SendMessageCommand({ QueueUrl: await queueUrl, MessageBody: JSON.stringify({ orderId: order.orderId, text }) }));
  console.log(`notification queued for order ${order.orderId}`);
};
