/**
 * Files that go with a letter: the letter itself as a PDF, and each
 * authority's own files from `attachments/<authority-id>/` in the data folder.
 */

/** The types an authority's own files may have, by lower-case extension, with the MIME type they are sent as. */
export const ATTACHMENT_TYPES: Readonly<Record<string, string>> = {
  pdf: 'application/pdf',
  csv: 'text/csv',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ods: 'application/vnd.oasis.opendocument.spreadsheet',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  odt: 'application/vnd.oasis.opendocument.text',
};

/** One of an authority's own files as listed with the authority; its bytes are stored apart (the campaign store). */
export interface AttachmentInfo {
  /** The file's name in its folder: the name the recipient sees. */
  name: string;
  bytes: number;
  /** sha256 (hex) of the content: the worker checks what it reads back against it. */
  sha256: string;
}

/** A file as it goes into a message. */
export interface MailAttachment {
  filename: string;
  content: Buffer;
  contentType: string;
}

/** The MIME type of an allowed file name, or undefined when its type is not allowed. */
export function attachmentType(name: string): string | undefined {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? undefined : ATTACHMENT_TYPES[name.slice(dot + 1).toLowerCase()];
}

/**
 * "Annual Review letter 2023-24 - Liverpool City Region Combined Authority.pdf":
 * letters, digits, spaces and - . , ( ) & ' only, so the name survives every
 * mail client and file system (a "/" or ":" in an authority's name becomes "-").
 */
export function letterPdfName(reportingYear: string, authorityName: string): string {
  const safe = (s: string) =>
    s
      .normalize('NFC')
      .replace(/[^\p{L}\p{N} .,()&'-]+/gu, '-')
      .replace(/\s+/g, ' ')
      .trim();
  return `Annual Review letter ${safe(reportingYear)} - ${safe(authorityName)}.pdf`;
}
