// IstioCertificateService's wire contract (package istio.v1.auth): the two messages described at run time
// with @bufbuild/protobuf's reflection, so real protobuf goes on the wire and Istio's agents could call us.
// Messages cross into TypeScript through their proto3 JSON form, checked field by field.
import {
  create,
  createFileRegistry,
  fromBinary,
  fromJson,
  type JsonValue,
  toBinary,
  toJson,
} from '@bufbuild/protobuf';
import {
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorProtoSchema,
  file_google_protobuf_struct,
} from '@bufbuild/protobuf/wkt';

export const CA_SERVICE_NAME = 'istio.v1.auth.IstioCertificateService';
export const CREATE_CERTIFICATE_PATH = `/${CA_SERVICE_NAME}/CreateCertificate`;

const { OPTIONAL: LABEL_OPTIONAL, REPEATED: LABEL_REPEATED } = FieldDescriptorProto_Label;
const { STRING: TYPE_STRING, INT64: TYPE_INT64, MESSAGE: TYPE_MESSAGE } = FieldDescriptorProto_Type;

// Field numbers are the protocol: csr = 1, validity_duration = 3, metadata = 4; cert_chain = 1.
const fileProto = create(FileDescriptorProtoSchema, {
  name: 'trellis/istio/v1/auth/ca.proto',
  package: 'istio.v1.auth',
  syntax: 'proto3',
  dependency: ['google/protobuf/struct.proto'],
  messageType: [
    {
      name: 'IstioCertificateRequest',
      field: [
        { name: 'csr', number: 1, label: LABEL_OPTIONAL, type: TYPE_STRING, jsonName: 'csr' },
        {
          name: 'validity_duration',
          number: 3,
          label: LABEL_OPTIONAL,
          type: TYPE_INT64,
          jsonName: 'validityDuration',
        },
        {
          name: 'metadata',
          number: 4,
          label: LABEL_OPTIONAL,
          type: TYPE_MESSAGE,
          typeName: '.google.protobuf.Struct',
          jsonName: 'metadata',
        },
      ],
    },
    {
      name: 'IstioCertificateResponse',
      field: [
        { name: 'cert_chain', number: 1, label: LABEL_REPEATED, type: TYPE_STRING, jsonName: 'certChain' },
      ],
    },
  ],
});

const registry = createFileRegistry(fileProto, (name) =>
  name === 'google/protobuf/struct.proto' ? file_google_protobuf_struct : undefined,
);

function messageDesc(name: string) {
  const desc = registry.getMessage(name);
  if (!desc) throw new Error(`descriptor ${name} missing`);
  return desc;
}

const requestDesc = messageDesc('istio.v1.auth.IstioCertificateRequest');
const responseDesc = messageDesc('istio.v1.auth.IstioCertificateResponse');

export interface CertificateRequest {
  /** PEM PKCS#10 request. */
  csr: string;
  /** Requested lifetime in seconds; 0 means the CA's default. */
  validityDurationSeconds: number;
  metadata: Record<string, JsonValue>;
}

export interface CertificateResponse {
  /** Leaf first, root last. */
  certChain: string[];
}

function asObject(json: JsonValue): Record<string, JsonValue> {
  return typeof json === 'object' && json !== null && !Array.isArray(json) ? json : {};
}

export function encodeRequest(req: CertificateRequest): Buffer {
  const json: Record<string, JsonValue> = {
    csr: req.csr,
    validityDuration: String(req.validityDurationSeconds),
  };
  if (Object.keys(req.metadata).length > 0) json.metadata = req.metadata;
  return Buffer.from(toBinary(requestDesc, fromJson(requestDesc, json)));
}

export function decodeRequest(bytes: Buffer): CertificateRequest {
  const json = asObject(toJson(requestDesc, fromBinary(requestDesc, bytes)));
  const validity = Number(json.validityDuration ?? 0);
  return {
    csr: typeof json.csr === 'string' ? json.csr : '',
    validityDurationSeconds: Number.isFinite(validity) ? validity : 0,
    metadata: asObject(json.metadata ?? {}),
  };
}

export function encodeResponse(res: CertificateResponse): Buffer {
  return Buffer.from(toBinary(responseDesc, fromJson(responseDesc, { certChain: res.certChain })));
}

export function decodeResponse(bytes: Buffer): CertificateResponse {
  const json = asObject(toJson(responseDesc, fromBinary(responseDesc, bytes)));
  const chain = Array.isArray(json.certChain) ? json.certChain : [];
  return { certChain: chain.filter((c): c is string => typeof c === 'string') };
}
