/**
 * What the SMTP listener and the mailbox reader hand each received message
 * to (src/operations/record-bounce.ts): they only need to know whether it
 * was recorded, refused for good as unreadable, or could not be recorded now
 * (it throws: Redis or the disk away, and the sender or mailbox tries again).
 */
export interface BounceRecorder {
  handle(raw: Buffer, envelopeTo?: readonly string[]): Promise<{ result: string; reason?: string }>;
}
