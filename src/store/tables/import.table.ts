/**
 * The returns ledger: each row says how many units of one order line a return document gave
 * back. Imports write it so that a return is applied once however often its file is imported,
 * and so that `returned_quantity` and `refunded` can always be traced to their returns.
 */
export interface OrderReturnsTable {
  customer_id: string
  /** The return document (an Online Retail `C…` invoice, or the order id of a return row). */
  return_id: string
  /** Line of the return document, counted from 0 in file order. */
  return_line: number
  /** The earlier order line the units are taken from. */
  order_id: string
  order_line: number
  product_id: string
  quantity: number
  /** Money given back: quantity × the return's unit price. */
  amount: number
  returned_at: number
  created_at: number
}
