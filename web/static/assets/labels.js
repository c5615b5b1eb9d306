// What people read for the API's names: fields, steps, types.

const FIELD_LABELS = {
  name: 'Name',
  number: 'Number',
  title: 'Title',
  contact_name: 'Contact name',
  description: 'Description',
  shipping_address: 'Shipping address',
  billing_address: 'Billing address',
  payment_terms: 'Payment terms',
  notes: 'Notes',
  customer_id: 'Customer',
  currency: 'Currency',
  expected_close_date: 'Expected close date',
  order_date: 'Order date',
  delivery_date: 'Delivery date',
  amount: 'Amount',
};

// fieldLabel names a field: "order.contact_name" → "Contact name",
// "opportunity.custom.region" → "Region (custom field)".
export function fieldLabel(name) {
  const bare = String(name).replace(/^(opportunity|order)\./, '');
  const custom = bare.startsWith('custom.') ? bare.slice('custom.'.length) : null;
  if (custom != null) return `${humanize(custom)} (custom field)`;
  return FIELD_LABELS[bare] || humanize(bare);
}

export function humanize(s) {
  const t = String(s).replace(/[_-]+/g, ' ').trim();
  return t.charAt(0).toUpperCase() + t.slice(1);
}

export const TYPE_LABELS = {
  text: 'text',
  number: 'number',
  money: 'money',
  date: 'date',
  boolean: 'yes/no',
  customer: 'customer',
  currency: 'currency',
};

// compatible mirrors the service's rule (SPEC 4.1.1): a text target takes
// any source; number and money go to either; otherwise the types are equal.
export function compatible(source, target) {
  if (target === 'text') return true;
  const numeric = (t) => t === 'number' || t === 'money';
  if (numeric(source) && numeric(target)) return true;
  return source === target;
}

// The steps of a conversion, as the wizard numbers them.
export const STEPS = [
  { step: 'mapping', label: 'Field mapping' },
  { step: 'products', label: 'Products' },
  { step: 'draft', label: 'Order' },
  { step: 'close_prompt', label: 'Close the opportunity' },
];

export function stepLabel(step) {
  const i = STEPS.findIndex((s) => s.step === step);
  if (i >= 0) return `Step ${i + 1} of ${STEPS.length}: ${STEPS[i].label}`;
  return {
    starting: 'Starting',
    completed: 'Completed',
    cancelled: 'Cancelled',
    expired: 'Expired',
  }[step] || humanize(step || 'unknown');
}

export function statusLabel(status) {
  return { open: 'Open', won: 'Won', lost: 'Lost' }[status] || humanize(status || '');
}
