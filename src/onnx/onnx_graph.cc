#include "onnx/onnx_graph.h"

#include <utility>

namespace sw {
namespace {

void SetBatchType(onnx::ValueInfoProto* value, const std::vector<int64_t>& dims) {
  onnx::TypeProto_Tensor* tensor = value->mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(onnx::TensorProto::FLOAT);
  onnx::TensorShapeProto* shape = tensor->mutable_shape();
  shape->add_dim()->set_dim_param("n");
  for (int64_t d : dims) shape->add_dim()->set_dim_value(d);
}

onnx::TensorProto* AddInitializer(onnx::GraphProto* graph, const std::string& name,
                                  const std::vector<int64_t>& shape, int32_t type) {
  onnx::TensorProto* t = graph->add_initializer();
  t->set_name(name);
  t->set_data_type(type);
  for (int64_t d : shape) t->add_dims(d);
  return t;
}

}  // namespace

void OnnxGraphBuilder::AddBatchInput(const std::string& name, const std::vector<int64_t>& dims) {
  onnx::ValueInfoProto* value = graph_.add_input();
  value->set_name(name);
  SetBatchType(value, dims);
}

void OnnxGraphBuilder::AddBatchOutput(const std::string& value, const std::string& name,
                                      const std::vector<int64_t>& dims) {
  onnx::NodeProto* node = graph_.add_node();
  node->set_op_type("Identity");
  node->set_name(name);
  node->add_input(value);
  node->add_output(name);
  onnx::ValueInfoProto* output = graph_.add_output();
  output->set_name(name);
  SetBatchType(output, dims);
}

std::string OnnxGraphBuilder::Floats(const std::string& name, const std::vector<int64_t>& shape,
                                     const std::vector<float>& values) {
  onnx::TensorProto* t = AddInitializer(&graph_, name, shape, onnx::TensorProto::FLOAT);
  // raw_data is little-endian by the ONNX spec, as floats are on every target we build for.
  t->set_raw_data(values.data(), values.size() * sizeof(float));
  return name;
}

std::string OnnxGraphBuilder::Doubles(const std::string& name, const std::vector<int64_t>& shape,
                                      const std::vector<double>& values) {
  onnx::TensorProto* t = AddInitializer(&graph_, name, shape, onnx::TensorProto::DOUBLE);
  for (double v : values) t->add_double_data(v);
  return name;
}

std::string OnnxGraphBuilder::Int64s(const std::string& name, const std::vector<int64_t>& values) {
  onnx::TensorProto* t = AddInitializer(&graph_, name, {static_cast<int64_t>(values.size())},
                                        onnx::TensorProto::INT64);
  for (int64_t v : values) t->add_int64_data(v);
  return name;
}

std::string OnnxGraphBuilder::Op(const std::string& op, std::initializer_list<std::string> inputs,
                                 const std::string& hint,
                                 std::initializer_list<onnx::AttributeProto> attributes) {
  onnx::NodeProto* node = graph_.add_node();
  node->set_op_type(op);
  std::string output = hint + "/" + op + "_" + std::to_string(next_id_++);
  node->set_name(output);
  for (const std::string& in : inputs) node->add_input(in);
  for (const onnx::AttributeProto& a : attributes) *node->add_attribute() = a;
  node->add_output(output);
  return output;
}

onnx::ModelProto OnnxGraphBuilder::TakeModel(const std::string& graph_name,
                                             const std::string& doc) {
  onnx::ModelProto model;
  model.set_ir_version(onnx::IR_VERSION);  // 8, the IR version of opset 17
  model.set_producer_name("score-wasm");
  model.set_doc_string(doc);
  onnx::OperatorSetIdProto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(kOnnxOpset);
  graph_.set_name(graph_name);
  *model.mutable_graph() = std::move(graph_);
  graph_ = onnx::GraphProto();
  next_id_ = 0;
  return model;
}

onnx::AttributeProto OnnxInt(const std::string& name, int64_t value) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto::INT);
  a.set_i(value);
  return a;
}

onnx::AttributeProto OnnxInts(const std::string& name, const std::vector<int64_t>& values) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto::INTS);
  for (int64_t v : values) a.add_ints(v);
  return a;
}

onnx::AttributeProto OnnxString(const std::string& name, const std::string& value) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto::STRING);
  a.set_s(value);
  return a;
}

std::string OnnxSilu(OnnxGraphBuilder* g, const std::string& x, const std::string& hint) {
  return g->Op("Mul", {x, g->Op("Sigmoid", {x}, hint)}, hint);
}

}  // namespace sw
