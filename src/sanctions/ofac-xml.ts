/**
 * OFAC's advanced sanctions XML (`sdn_advanced.xml`, the UN sanctions data model), streamed.
 *
 * The file is ~100 MB; it is never held whole. What stays in memory is the reference value sets
 * (a few thousand short strings), the one DistinctParty being read, and, per profile that lists
 * a digital currency address, its finished entries until SanctionsEntries (which follow
 * DistinctParties in the schema) supply the programs.
 *
 * Layout read (element names per ADVANCED_XML.xsd):
 *   Sanctions
 *     ReferenceValueSets/FeatureTypeValues/FeatureType[@ID]     "Digital Currency Address - XBT"
 *     ReferenceValueSets/SanctionsTypeValues/SanctionsType[@ID] "Program"
 *     DistinctParties/DistinctParty[@FixedRef]/Profile[@ID]
 *       Identity[@Primary]/Alias[@Primary]/DocumentedName/DocumentedNamePart/NamePartValue[@NamePartGroupID]
 *       Identity/NamePartGroups/MasterNamePartGroup/NamePartGroup[@ID]   (name part order)
 *       Feature[@ID,@FeatureTypeID]/FeatureVersion/VersionDetail          (the address)
 *     SanctionsEntries/SanctionsEntry[@ProfileID]/SanctionsMeasure[@SanctionsTypeID]/Comment (program)
 */
import { SaxesParser } from 'saxes';

import { ListParseError } from './list-errors.js';
import { OfacAdvancedReader, type OfacXmlResult } from './ofac-xml-reader.js';

export { OFAC_ADVANCED_XML_NAMESPACES, type OfacFeatureRef, type OfacXmlResult } from './ofac-xml-reader.js';

export type OfacXmlInput = AsyncIterable<string | Uint8Array> | NodeJS.ReadableStream;

/**
 * Reads an OFAC advanced sanctions XML document and returns one entry per digital currency
 * address feature. An address that fails verification under its ticker is kept as an exact-string
 * (`unverified`) entry with a note (see readOfacAddress); only one that cannot be matched at all
 * (empty, inner whitespace) becomes a RejectedItem.
 * Throws ListParseError (nothing is returned) when the document is not well-formed, truncated,
 * not UTF-8, not an OFAC advanced `Sanctions` document, or breaks the schema in a way that could
 * hide addresses or programs.
 *
 * @param file Path or URL as configured; named in every location and error.
 */
export async function parseOfacAdvancedXml(input: OfacXmlInput, file: string): Promise<OfacXmlResult> {
  const reader = new OfacAdvancedReader(file);
  const parser = new SaxesParser({ xmlns: true, position: true });
  // A saxes error (not well-formed) is thrown from here, out of write()/close(); errors thrown by
  // the reader's handlers (ListParseError, or a bug) pass through unchanged.
  parser.on('error', (err) => {
    throw notWellFormed(err, file, parser);
  });
  parser.on('xmldecl', (decl) => reader.onXmlDecl(decl.encoding, parser));
  parser.on('opentag', (tag) => reader.onOpen(tag, parser));
  parser.on('text', (text) => reader.onText(text));
  parser.on('cdata', (text) => reader.onText(text));
  parser.on('closetag', () => reader.onClose());

  for await (const text of decodeUtf8(input, file)) parser.write(text);
  parser.close();
  return reader.finish();
}

/** UTF-8 text of `input`, chunk by chunk; a multi-byte character split across chunks is joined. */
async function* decodeUtf8(input: OfacXmlInput, file: string): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let bytesRead = 0;
  const decode = (bytes?: Uint8Array): string => {
    try {
      return bytes === undefined ? decoder.decode() : decoder.decode(bytes, { stream: true });
    } catch {
      throw new ListParseError(file, 'not valid UTF-8 text (garbage or a binary file?)', `near byte ${bytesRead}`);
    }
  };
  try {
    for await (const chunk of input as AsyncIterable<string | Uint8Array>) {
      if (typeof chunk === 'string') {
        const pending = decode();
        if (pending !== '') yield pending;
        if (chunk !== '') yield chunk;
      } else {
        const text = decode(chunk);
        bytesRead += chunk.byteLength;
        if (text !== '') yield text;
      }
    }
  } catch (err) {
    if (err instanceof ListParseError) throw err;
    const e = new ListParseError(file, `reading the source failed: ${errorMessage(err)}`, `after byte ${bytesRead}`);
    (e as { cause?: unknown }).cause = err;
    throw e;
  }
  const tail = decode();
  if (tail !== '') yield tail;
}

function notWellFormed(err: Error, file: string, parser: SaxesParser): ListParseError {
  // saxes prefixes its messages with "line:column: "; the location says that already.
  const reason = err.message.replace(/^\d+:\d+:\s*/, '');
  const e = new ListParseError(file, `not well-formed XML: ${reason}`, `line ${parser.line}, column ${parser.column}`);
  (e as { cause?: unknown }).cause = err;
  return e;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
