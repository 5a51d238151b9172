// Istio's `istio.stats` filter config, `stats.PluginConfig` (istio.io/api envoy/extensions/stats): a message
// descriptor built at load time (no Istio .proto ships in our dependencies) so the xDS type registry can
// unpack and print it, and its field numbers so the control plane can write it. Also the filter's name and
// type URL, shared by the HTTP filter, the TCP network filter and the translator.

import type { MessageInitShape } from '@bufbuild/protobuf';
import { create, createFileRegistry, type DescFile, type DescMessage } from '@bufbuild/protobuf';
import {
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  type FieldDescriptorProtoSchema,
  FileDescriptorProtoSchema,
  file_google_protobuf_duration,
} from '@bufbuild/protobuf/wkt';

export const ISTIO_STATS_FILTER_NAME = 'istio.stats';
export const PLUGIN_CONFIG_TYPE_NAME = 'stats.PluginConfig';
export const PLUGIN_CONFIG_TYPE_URL = `type.googleapis.com/${PLUGIN_CONFIG_TYPE_NAME}`;

const T = FieldDescriptorProto_Type;
const OPTIONAL = FieldDescriptorProto_Label.OPTIONAL;
const REPEATED = FieldDescriptorProto_Label.REPEATED;

type FieldInit = MessageInitShape<typeof FieldDescriptorProtoSchema>;

function field(
  name: string,
  number: number,
  type: FieldDescriptorProto_Type,
  extra: { label?: FieldDescriptorProto_Label; typeName?: string } = {},
): FieldInit {
  const jsonName = name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  return { name, number, type, label: extra.label ?? OPTIONAL, jsonName, typeName: extra.typeName };
}

/** The wire contract of stats.PluginConfig and its parts (names and numbers are the interface). */
const FILE = create(FileDescriptorProtoSchema, {
  name: 'trellis/istio/stats/config.proto',
  package: 'stats',
  syntax: 'proto3',
  dependency: ['google/protobuf/duration.proto'],
  enumType: [
    {
      name: 'MetricType',
      value: [
        { name: 'COUNTER', number: 0 },
        { name: 'GAUGE', number: 1 },
        { name: 'HISTOGRAM', number: 2 },
      ],
    },
    {
      name: 'Reporter',
      value: [
        { name: 'UNSPECIFIED', number: 0 },
        { name: 'SERVER_GATEWAY', number: 1 },
      ],
    },
  ],
  messageType: [
    {
      name: 'MetricConfig',
      field: [
        field('dimensions', 1, T.MESSAGE, {
          label: REPEATED,
          typeName: '.stats.MetricConfig.DimensionsEntry',
        }),
        field('name', 2, T.STRING),
        field('tags_to_remove', 3, T.STRING, { label: REPEATED }),
        field('match', 4, T.STRING),
        field('drop', 5, T.BOOL),
      ],
      nestedType: [
        {
          name: 'DimensionsEntry',
          field: [field('key', 1, T.STRING), field('value', 2, T.STRING)],
          options: { mapEntry: true },
        },
      ],
    },
    {
      name: 'MetricDefinition',
      field: [
        field('name', 1, T.STRING),
        field('value', 2, T.STRING),
        field('type', 3, T.ENUM, { typeName: '.stats.MetricType' }),
      ],
    },
    {
      name: 'PluginConfig',
      field: [
        field('debug', 1, T.BOOL),
        field('max_peer_cache_size', 2, T.INT32),
        field('stat_prefix', 3, T.STRING),
        field('field_separator', 4, T.STRING),
        field('value_separator', 5, T.STRING),
        field('disable_host_header_fallback', 6, T.BOOL),
        field('tcp_reporting_duration', 7, T.MESSAGE, { typeName: '.google.protobuf.Duration' }),
        field('metrics', 8, T.MESSAGE, { label: REPEATED, typeName: '.stats.MetricConfig' }),
        field('definitions', 9, T.MESSAGE, { label: REPEATED, typeName: '.stats.MetricDefinition' }),
        field('reporter', 10, T.ENUM, { typeName: '.stats.Reporter' }),
        field('rotation_interval', 11, T.MESSAGE, { typeName: '.google.protobuf.Duration' }),
        field('graceful_deletion_interval', 12, T.MESSAGE, { typeName: '.google.protobuf.Duration' }),
      ],
    },
  ],
});

const registry = createFileRegistry(FILE, (name) =>
  name === 'google/protobuf/duration.proto' ? file_google_protobuf_duration : undefined,
);

/** The file holding stats.PluginConfig, for type registries (Any in JSON and binary). */
export const file_istio_stats_config: DescFile = registry.getFile(FILE.name)!;

/** stats.PluginConfig: `create(PluginConfigSchema, {disableHostHeaderFallback: true})`, `anyPack(…)`. */
export const PluginConfigSchema: DescMessage = registry.getMessage(PLUGIN_CONFIG_TYPE_NAME)!;
