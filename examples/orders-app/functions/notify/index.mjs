// Receives a placed order (an asynchronous event) and queues the customer's notification on the queue
// whose URL is in QUEUE_URL.
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

const sqs = new SQSClient({});

export const handler = async (order) => {
  const text = `Thank you ${order.customer}, your order ${order.orderId} (${(order.total / 100).toFixed(2)} ${order.currency}) is on its way.`;
  await sqs.send(new SendMessageCommand({ QueueUrl: process.env.QUEUE_URL, MessageBody: JSON.stringify({ orderId: order.orderId, text }) }));
  console.log(`notification queued for order ${order.orderId}`);
};
