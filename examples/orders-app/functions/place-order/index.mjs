// Places an order: prices it with the `quote` function (a synchronous call), then hands it to `notify`
// (an asynchronous call: the order is placed whether or not the notification has gone out yet).
// The SDK needs no endpoint or credentials: lambdock injects them, as AWS does.
import { randomUUID } from 'node:crypto';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';

const lambda = new LambdaClient({});

export const handler = async (event) => {
  const quoted = await lambda.send(new InvokeCommand({ FunctionName: 'quote', Payload: JSON.stringify({ items: event.items }) }));
  const quote = JSON.parse(Buffer.from(quoted.Payload).toString());
  if (quoted.FunctionError !== undefined) throw new Error(`the order cannot be priced: ${quote.errorMessage}`);

  const order = { orderId: randomUUID(), customer: event.customer, total: quote.total, currency: quote.currency };
  await lambda.send(new InvokeCommand({ FunctionName: 'notify', InvocationType: 'Event', Payload: JSON.stringify(order) }));
  console.log(`placed order ${order.orderId} for ${order.customer}: ${order.total} ${order.currency}`);
  return order;
};
