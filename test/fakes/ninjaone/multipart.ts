/** One part of a multipart/form-data body. */
export interface FormPart {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

/**
 * Splits a multipart/form-data body (RFC 7578) into its parts; null when the body is not one
 * (no boundary, no closing delimiter, a part without a name).
 */
export function parseMultipart(contentType: string, body: Buffer): FormPart[] | null {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!/^multipart\/form-data/i.test(contentType) || !boundary) return null;
  const delimiter = `--${boundary[1] ?? boundary[2].trim()}`;
  const text = body.toString('latin1');
  const end = text.indexOf(`${delimiter}--`);
  if (end < 0) return null;
  const parts: FormPart[] = [];
  for (const chunk of text.slice(0, end).split(delimiter).slice(1)) {
    const raw = chunk.replace(/^\r\n/, '').replace(/\r\n$/, '');
    const split = raw.indexOf('\r\n\r\n');
    if (split < 0) return null;
    const headers = raw.slice(0, split).split('\r\n');
    const disposition = headers.find((h) => /^content-disposition:/i.test(h)) ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    if (!name) return null;
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    const type = headers.find((h) => /^content-type:/i.test(h))?.replace(/^content-type:\s*/i, '');
    parts.push({
      name,
      ...(filename !== undefined ? { filename } : {}),
      ...(type ? { contentType: type } : {}),
      data: Buffer.from(raw.slice(split + 4), 'latin1'),
    });
  }
  return parts;
}
